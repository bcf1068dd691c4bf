#!/usr/bin/env python3
"""How separable the synthetic classes are without deep learning: a logistic regression on
hand-made movement features (2-5 Hz fidgety band power, 0.1-1.5 Hz writhing band power, left-right
correlation of wrists and ankles), fitted on train+val, scored on the test split.

Usage: python3 bench/synth_separability.py COHORT.h5   (Debian's python3-scipy, python3-h5py)
"""
import sys

import h5py, numpy as np
from scipy.signal import welch
from scipy.stats import mannwhitneyu
f=h5py.File(sys.argv[1]); c=f['coords'][:]; L=f['lengths'][:]; y=f['labels'][:]; sp=np.array([s.decode() for s in f['splits'][:]])
feats=[]
for i in range(len(y)):
    x=np.nan_to_num(c[i,:L[i]]); v=np.diff(x,axis=0)
    fr,p=welch(v.reshape(len(v),-1),fs=30,axis=0,nperseg=128)
    band=lambda a,b: np.log(p[(fr>a)&(fr<b)].sum(0)+1e-12)
    limbs=[7,11,15,18,6,10,14,17]
    idx=np.array([[2*j,2*j+1] for j in limbs]).ravel()
    fid=band(2,5)[idx]; wr=band(0.1,1.5)[idx]
    # left-right correlation of wrist and ankle positions (relative to trunk)
    corr=[abs(np.corrcoef(x[:,a,k]-x[:,8,k], x[:,b,k]-x[:,8,k])[0,1]) for a,b in [(7,11),(15,18)] for k in (0,1)]
    feats.append(np.concatenate([fid, wr, fid-wr, corr]))
X=np.array(feats); X=(X-X[sp!='test'].mean(0))/X[sp!='test'].std(0)
tr=sp!='test'; te=sp=='test'
# logistic regression by gradient descent with L2
w=np.zeros(X.shape[1]); b=0.0
for it in range(3000):
    z=X[tr]@w+b; pr=1/(1+np.exp(-z)); g=pr-y[tr]
    w-=0.05*(X[tr].T@g/tr.sum()+0.01*w); b-=0.05*g.mean()
s=X[te]@w+b
auc=mannwhitneyu(s[y[te]==1],s[y[te]==0]).statistic/((y[te]==1).sum()*(y[te]==0).sum())
print('test subjects',te.sum(),'CP',y[te].sum(),'logistic AUC on handcrafted features',round(auc,3))
